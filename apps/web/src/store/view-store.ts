import { create } from 'zustand';

export type View = 'predict' | 'batch' | 'history' | 'settings' | 'shared';

interface ViewState {
  view: View;
  show(view: View): void;
}

export const useViewStore = create<ViewState>((set) => ({
  view: 'predict',
  show(view) {
    set({ view });
  },
}));
